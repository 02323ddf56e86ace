from setuptools import find_packages, setup

package_name = 'fracturescope_perception_training'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Offline tools for the perception models: data sets, training, evaluation, compression, builds.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'fracturescope-edge-eye-train-espcn = fracturescope_perception_training.edge_eye.espcn_training:main',
            'fracturescope-train-thermal-monitor = fracturescope_perception_training.thermal_monitor.train:main',
            'fracturescope-cross-generator = fracturescope_perception_training.fusion.cross_generator:main',
            'fracturescope-train-fusion = fracturescope_perception_training.fusion.own_data:main',
            'fracturescope-build-fusion-model = fracturescope_perception_training.fusion.build_model:main',
            'fracturescope-densify-fusion = fracturescope_perception_training.fusion.dense_head:main',
        ],
    },
)
