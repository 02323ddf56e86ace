from glob import glob

from setuptools import find_packages, setup

package_name = 'fracturescope_bringup'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        # launch/ and config/ live at the repository top level; the symlinks here install them into the share
        # folder, where `ros2 launch fracturescope_bringup FILE` and $(find-pkg-share) look.
        ('share/' + package_name + '/launch', glob('launch/*.launch.xml')),
        ('share/' + package_name + '/config', glob('config/*.yaml') + glob('config/*.xml') + glob('config/*.rviz')
         + glob('config/*.json')),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Bring-up of the FractureScope graph: launch files and parameters of the robot, and the main job.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'fracturescope-main = fracturescope_bringup.main_job:main',
            'fracturescope-provision-keys = fracturescope_bringup.provision_keys:main',
        ],
    },
)
