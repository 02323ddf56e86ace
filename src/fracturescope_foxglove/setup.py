from setuptools import find_packages, setup

package_name = 'fracturescope_foxglove'

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
    description='Foxglove bridge: the graph served to the Foxglove app over WebSocket, images as JPEG.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'foxglove_bridge = fracturescope_foxglove.nodes.foxglove_bridge:main',
            'fracturescope-foxglove-check = fracturescope_foxglove.ws_client:main',
        ],
    },
)
